"""gettext catalogs (zh_CN first, en second). A package so that installs carry the .po files."""
