"""Node-to-node transport: wire models, the HTTP peer client and the federation endpoint."""
