"""The outside world behind small interfaces: payment gateways, mail delivery, PDF documents."""
