"""Conversation logic, framework-free: buyer/, seller/ and staff/ flows, routing by
command, button and step, and the message catalog."""
