"""The eXo-style Calendar REST API v1 face (spec exo-calendar-rest.md): its routes, bodies, rendering and errors."""

PREFIX = "/rest/private/v1/calendar"
