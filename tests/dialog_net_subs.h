/* The in-memory network of tests/dialog_net.h with the application side of
 * subscriptions and transfer (RFC 6665, RFC 3515): every UA's event
 * callback is replaced by dns_on_event, which logs the subscription
 * events into the node's event list and answers as configured per node,
 * and hands the other events to dn_on_event. */
#ifndef DIALOG_NET_SUBS_H
#define DIALOG_NET_SUBS_H
#include "dialog_net.h"

typedef struct dns_app {
    int sub_accept;          /* answer SUBSCRIBE / REFER with this 2xx */
    int sub_reject;          /* ... or reject with this status */
    const char *ctype, *body;/* the immediate NOTIFY's body */
    int refer_call;          /* on REFER: accept, then call the Refer-To */
    int answer_replaces;     /* INCOMING_CALL with Replaces/Join: 200 at once */
    int hangup_on_final;     /* subscriber: hang up the REFER's call on the
                                final sipfrag NOTIFY (RFC 5359 transferor) */
    sip_ua_sub last_sub;     /* the last handle an event named */
    sip_ua_sub refer_sub;    /* referee: the REFER being acted on */
    sip_ua_call refer_call_h;/* referee: the call it started */
    sip_ua_call refer_from;  /* referee: the call the REFER came in */
    sip_ua_call replaces, joins;
} dns_app;

static dns_app DNS[DN_NODES];

static inline int dns_idx(dn_node *nd)
{
    return (int)(nd - nd->net->node);
}

static inline void dns_on_event(void *user, const sip_ua_event *ev)
{
    dn_node *nd = (dn_node *)user;
    dns_app *app = &DNS[dns_idx(nd)];
    uint64_t now = nd->net->now;
    char s[96];
    switch (ev->type) {
    case SIP_UA_EV_SUBSCRIBE:
        app->last_sub = ev->sub;
        snprintf(s, sizeof s, "subscribe/%.*s/%u", (int)ev->event.len, ev->event.p, (unsigned)ev->expires);
        dn_evlog(nd, s);
        if (app->sub_reject)
            cr_assert_eq(sip_ua_sub_reject(&nd->ua, ev->sub, app->sub_reject, now), 0);
        else if (app->sub_accept)
            cr_assert_eq(sip_ua_sub_accept(&nd->ua, ev->sub, app->sub_accept, 0, app->ctype, app->body,
                                           app->body ? strlen(app->body) : 0, now), 0);
        return;
    case SIP_UA_EV_SUB_STATE:
        app->last_sub = ev->sub;
        snprintf(s, sizeof s, "sub%d/%d/%d", ev->state, ev->sub_reason, ev->status);
        dn_evlog(nd, s);
        return;
    case SIP_UA_EV_NOTIFY:
        app->last_sub = ev->sub;
        snprintf(s, sizeof s, "notify%d/%d/%u/%d%s", ev->state, ev->sub_reason, (unsigned)ev->expires,
                 ev->status, ev->forked_from ? "+fork" : "");
        dn_evlog(nd, s);
        if (app->hangup_on_final && ev->status >= 200 && ev->call)
            cr_assert_eq(sip_ua_hangup(&nd->ua, ev->call, now), 0);
        return;
    case SIP_UA_EV_REFER:
        app->last_sub = ev->sub;
        snprintf(s, sizeof s, "refer/%d", ev->refer_sub);
        dn_evlog(nd, s);
        if (app->sub_reject) {
            cr_assert_eq(sip_ua_sub_reject(&nd->ua, ev->sub, app->sub_reject, now), 0);
        } else if (app->refer_call) {
            cr_assert_eq(sip_ua_sub_accept(&nd->ua, ev->sub, 202, 0, NULL, NULL, 0, now), 0);
            app->refer_sub = ev->sub;
            app->refer_from = ev->call;
            cr_assert_eq(sip_ua_refer_call(&nd->ua, ev->sub, &nd->local, 0, now, &app->refer_call_h), 0);
        }
        return;
    case SIP_UA_EV_INCOMING_CALL:
        app->replaces = ev->replaces;
        app->joins = ev->joins;
        if (ev->replaces) dn_evlog(nd, "replaces");
        if (ev->joins) dn_evlog(nd, "joins");
        dn_on_event(user, ev);
        if ((ev->replaces || ev->joins) && app->answer_replaces)
            cr_assert_eq(sip_ua_answer(&nd->ua, ev->call, 200, &nd->local, now), 0);
        return;
    case SIP_UA_EV_CALL_STATE:
        dn_on_event(user, ev);
        /* the referee reports the referred call (RFC 3515 §2.4.4) */
        if (app->refer_sub && ev->call == app->refer_call_h &&
            (ev->state == SIP_UA_CALL_ANSWERED || ev->state == SIP_UA_CALL_TERMINATED)) {
            int st = ev->state == SIP_UA_CALL_ANSWERED ? 200 : (ev->status ? ev->status : 487);
            sip_ua_sub rs = app->refer_sub;
            app->refer_sub = 0;
            (void)sip_ua_refer_notify(&nd->ua, rs, st, now);
        }
        return;
    default:
        dn_on_event(user, ev);
        return;
    }
}

/* A UA whose application is dns_on_event. */
static inline dn_node *dns_add_ua(dn_net *n, char name, const char *ip, const char *user,
                                  const sip_ua_config *base)
{
    dn_node *nd = dn_add_ua(n, name, ip, user, base);
    memset(&DNS[dns_idx(nd)], 0, sizeof DNS[0]);
    nd->ua.cb.on_event = dns_on_event; /* the test application, same user pointer */
    return nd;
}
#endif
