"""The web door: kg serve's endpoint and pages, content negotiation, and the static site kg publish writes."""
