"""Accounts payable: suppliers, e-invoices (OIOUBL 2.1, Peppol BIS 3), validation,
matching, approval, ledger and payment."""
