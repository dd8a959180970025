"""rtvi-telephony: phone calls for rtvi_core over carrier media streams.

The carrier-facing building blocks: G.711 codecs (:mod:`.g711`), webhook signature
checks (:mod:`.signatures`), the incoming-call webhook answers (:mod:`.markup`) and the
carriers' REST calls for hang-up and outbound calls (:mod:`.rest`).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
