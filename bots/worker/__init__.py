"""Workers: one shared Chromium, one context per staff login, items claimed from the ledger."""
