/*
 * store.c - the crawler's store.
 */
extern int sp_store_unused;
