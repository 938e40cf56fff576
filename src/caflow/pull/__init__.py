"""``caflow pull``: read a live tenant through Microsoft Graph and the Power Platform admin API
into a bundle. The only layer that talks to the network; it sits above ``io`` (whose formats it
writes) and below ``cli``."""
