/*
 * enrich.c
 */
extern int sp_enrich_unused;
