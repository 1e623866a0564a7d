"""Webhook deliveries over HTTP (httpx)."""
