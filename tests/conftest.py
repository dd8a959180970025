"""Test configuration: the rtvi_core test kit's pytest plugin (installed with the
package through the ``pytest11`` entry point) provides ``anyio_backend`` and turns
plugin autoload off unless a test is marked ``rtvi_plugins``."""
