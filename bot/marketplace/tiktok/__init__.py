"""TikTok Shop: signed Open API client, order/return mapping, the connector (connect,
webhooks, sync, the `AfterSales` port) and its HTTP routes."""
