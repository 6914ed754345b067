"""Indkøb: purchase orders and goods receipts (the minimal part that accounts-payable
matching needs)."""
