/*
 * pages_coach.h - what the coach page's two files share: the client's
 * answers as read from the URL, the shortlist (ids in the URL), the
 * page's own addresses, and "how to join" and "why this fits" for a
 * service.  pages_coach.c writes the screening page and its results;
 * pages_coach_list.c the shortlist panel, the text to copy and the
 * printout.  Nothing here is stored: every value lives in the request.
 */
#ifndef PAGES_COACH_H
#define PAGES_COACH_H

#include "pages.h"
#include "person.h"

#define COACH_MAX_NOTES SD_MAX_NOTES /* bytes of the coach's notes for the printout */

typedef struct coach_client {
    person pp; /* the answers (indexer/person.h) */
    const char *q;
    char refused[sizeof(((sp_err *)0)->msg)]; /* the first refusal, for the coach */
    bool given; /* the form was submitted */
    /* The client's postcode (near=): distances from it, and the borough
     * they live in when the form left it empty. */
    const char *near; /* as given; borrowed from the request */
    bool has_near, borough_from_near;
    double lat, lon;
    const char *sector; /* job goal slug (vocab field "sector"), owned by v */
    const char *notes;  /* the coach's notes for the printout; never stored */
} coach_client;

void coach_read_client(pg *p, coach_client *c);

typedef struct coach_list {
    char ids[PG_MAX_SHORTLIST][37];
    size_t n;
} coach_list;

void coach_read_list(pg *p, coach_list *sl);
bool coach_listed(const coach_list *sl, const char *id);

/* /coach?... with the page's parameters, the shortlist changed (add or
 * drop one id), or only the shortlist (the share link: nothing about the
 * client); print adds print=1; page_to > 0 moves to that page of
 * results. */
void coach_url(pg *p, sp_buf *u, const coach_list *sl, const char *add, const char *drop,
               bool only_list, bool print, long page_to);
void coach_href(pg *p, const coach_list *sl, const char *add, const char *drop,
                bool only_list, bool print, const char *frag);
/* The page's parameters other than the shortlist, print and paging, as
 * hidden inputs of a form (the print form keeps the answers). */
void coach_hidden_args(pg *p, bool with_list, const coach_list *sl);

/* How a person gets onto a service, from the record's referral rule
 * (indexer/elig.c) or else its referral routes. */
typedef enum coach_route {
    ROUTE_UNKNOWN,   /* nothing said: ask them */
    ROUTE_SELF,      /* contact them yourself */
    ROUTE_JOBCENTRE, /* a Jobcentre work coach refers (and no self-referral) */
    ROUTE_PRO        /* a professional refers: GP, council, probation ... */
} coach_route;

coach_route coach_route_of(const rec_service *rec);
/* "How to join: ..." in words (the routes a professional referral takes
 * named); plain text when text, else a paragraph. */
void coach_put_route(pg *p, const rec_service *rec, bool text);

/* Why the service fits the client, in words: the needs it meets, the job
 * goal, what the eligibility check found, the distance.  km < 0: not
 * known.  Nothing written (false) when there is nothing to say. */
bool coach_put_why(pg *p, const coach_client *c, const rec_service *rec,
                   const elig_verdict *vd, double km, bool text);
/* The service speaks to the client's job goal (sector keywords in its
 * name, description or eligibility text). */
bool coach_sector_fits(const vocab *v, const char *sector, const rec_service *rec);

/* The shortlist panel (id="shortlist") and the printout. */
void coach_put_shortlist(pg *p, idx *ix, const coach_client *c, const coach_list *sl);
enum MHD_Result coach_print_page(pg *p, idx *ix, const coach_list *sl);

#endif
