"""Subscriber Portal: a provider-branded self-service site for ISP subscribers."""
