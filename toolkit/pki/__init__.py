"""Parsing what PKI hands us: X.509 certificates (``certs``), GetCACert's PKCS#7 (``pkcs7``) and Windows security
descriptors with the access decision Windows makes over them (``security_descriptor``)."""
