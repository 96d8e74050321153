"""Built-in check plugins, one module per area. Each module defines ``PLUGIN`` (see ``conncheck.plugin``)."""
