"""Delivery channels behind one port: email over SMTP and signed webhooks."""
