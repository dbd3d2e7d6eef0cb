/*
 * xap.cc - the Xapian binding.
 */
extern "C" int sp_xap_unused;
