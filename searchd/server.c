/*
 * server.c
 */
extern int sp_server_unused;
