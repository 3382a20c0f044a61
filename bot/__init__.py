"""Buyer-support bot: services, channels and the composition root."""
