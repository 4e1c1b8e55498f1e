"""Experience experts: applications, training, profiles, availability."""
