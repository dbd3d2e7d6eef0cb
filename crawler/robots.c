/*
 * robots.c - the crawler's robots.
 */
extern int sp_robots_unused;
