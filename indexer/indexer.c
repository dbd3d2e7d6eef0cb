/*
 * indexer.c
 */
extern int sp_indexer_unused;
