"""Real peers the tests start on loopback (the Samba AD DC); used by the tests and nothing in production."""
