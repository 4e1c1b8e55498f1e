"""The anonymous channel: the public form and the coordinators' inbox (services, views;
templates in participation/channel/)."""
