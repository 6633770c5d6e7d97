"""CRM connectors: customers and their purchases in from the CRM, complaint cases out to it.

One interface (`crm.connector.Connector`), a module per CRM, each tested against a fake of the
vendor's API shipped beside it (`crm/fake_*.py`).
"""
