"""UI texts of the analytics pages, one module per page family, merged into :data:`cimlab.i18n.MESSAGES`.

Each module holds a ``MESSAGES`` dict shaped like :data:`cimlab.i18n.MESSAGES`
(key → language → text); a key may live in one module only.
"""
