"""Exchange: what the store holds, in the formats other systems read.

FHIR R4 resources (plain dicts, written as NDJSON or a transaction Bundle) for regional
health platforms and hospital systems, and iCalendar feeds for clinicians' and families'
calendars. A shell module beside printing and the store: it maps the core's values and
knows nothing of how they are stored; the export jobs (``yiyu.jobs``) read the store and
write the files.
"""
