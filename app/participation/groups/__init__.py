"""Groups and their meetings: members, topics, the record of each session, follow-ups and
evaluations (services, records, evaluations, views; templates in participation/groups/)."""
