/*
 * idx.c
 */
extern int sp_idx_unused;
