"""How each form of cooperation is run in practice: its own life cycle of steps and clocks
(preservation, provisional arrest and extradition, transfers, joint investigations, hearings,
asset return), on top of the request workflow every form shares (issue 8)."""
