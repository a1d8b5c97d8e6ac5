"""Vocabulary shared by several sources: the words company names and domains are built from, and
the marketplaces (named on CRM opportunities and in marketplace transactions)."""


def word_list(text: str) -> tuple[str, ...]:
    """A tuple of the whitespace-separated words of text."""
    return tuple(text.split())


MARKETPLACES = ("aws", "azure", "gcp", "appexchange")
MARKETPLACE_SHARES = (0.50, 0.25, 0.15, 0.10)

WORDS_A = word_list(
    "Bright Blue North Silver Iron Quantum Apex Cedar Summit Harbor Nova Vertex Crimson "
    "Atlas Pioneer Granite Falcon Maple Orbit Pacific Prairie Redwood Sterling Velvet Willow "
    "Zenith Aurora Beacon Cobalt Delta Ember Evergreen Fusion Golden Helix Horizon Indigo "
    "Juniper Keystone Lumen Meridian Nimbus Onyx Polar Radiant Sapphire Solar Spruce Titan "
    "Umber Vantage Vivid Westwind Alder Birch Clear Crest Echo Lake Stone"
)
WORDS_B = word_list(
    "forge works line point bridge field stack wave gate path core logic scale sphere craft vale "
    "peak stream port mark shift loop bit grid hub nest yard base cast dyne ware well wood ridge "
    "light view tree rock ford mont"
)
