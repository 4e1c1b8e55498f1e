"""Participation: feedback after assignments, groups, co-development, reporting back.

Sub-packages own their models, services, forms, views, blueprint and templates:
`groups/` (groups, meetings, records, evaluations, the hub page), `feedback/`
(feedback after assignments, reporting back) and `channel/` (the anonymous channel).
The modules here are what they share: access checks, rules, state tables, texts, mails.
"""
