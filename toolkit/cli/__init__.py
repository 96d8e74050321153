"""The ``conncheck`` command line: one module per command group, registered on ``conncheck.cli.app.app``.

Commands parse input and print output; ``conncheck.application`` does the work in between. Heavy libraries
(pypsrp, ldap3, cryptography) are imported inside the commands that need them, so ``conncheck --help`` stays fast.
"""
