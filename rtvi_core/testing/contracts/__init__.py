"""Contract test suites: one per provider kind, for provider plugins to run against themselves.

Subclass the suite in a plugin's tests and override its fixture that builds the
provider, e.g. ``class TestSileroContract(VADContract)`` with a ``vad`` fixture.
Every test of the suite then runs against the plugin's provider.
"""
