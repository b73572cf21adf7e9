"""Crisis care: screening posts for signs that someone is at risk, and the helpline directory.

`screening.screen(text)` answers `risk`, `concern` or `none` with a score and the
phrases behind it; `helplines.helplines_for(country, accept_language)` lists whom to
call. Both read their lexicons from `data/`, so they can be reviewed and changed
without touching the code.
"""
