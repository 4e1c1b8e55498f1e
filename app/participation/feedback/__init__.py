"""Feedback after assignments and reporting back what changed (services, impact, views;
templates in participation/feedback/)."""
