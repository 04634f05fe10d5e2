"""Services and orders: catalogue, cart, package changes, contracts, workflows."""
