"""e9 bots: enter telecom e9 orders into a billing/CRM portal, step by step, from YAML flows."""

__version__ = "0.1.0"
