"""conncheck: verify the Intune Certificate Connector and the PKI behind it."""

__version__ = "0.2.0"
