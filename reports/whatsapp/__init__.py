"""The WhatsApp line: representatives report to the JOC and receive its alerts on WhatsApp.

`webhook` (views) stores each signed delivery and queues it; `payloads` reads Meta's webhook
format; `inbound` turns messages into reports, follow-ups, answers and acknowledgements through
the reports and alerts services; `outbound` sends (window rule, templates, retries) through
`client`, the Graph API over HTTP; `standin` is a small Graph API for development and tests.
"""
