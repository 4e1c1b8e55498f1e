"""Administration: settings, fee schedules, travel rates, areas, users and roles."""
