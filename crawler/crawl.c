/*
 * crawl.c - the crawler's crawl.
 */
extern int sp_crawl_unused;
