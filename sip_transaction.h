#if defined(CVOIP_IMPLEMENTATION) && !defined(SIP_TRANSACTION_IMPLEMENTATION)
#define SIP_TRANSACTION_IMPLEMENTATION
#endif
/* sip_transaction.h - RFC 3261 §17 transactions for C, sans-IO.
 * (stub: being written; see issue 4)
 *
 * Part of cvoip, single-file, MIT licence. Builds on sip.h and
 * sip_transport.h.
 */
#ifndef SIP_TRANSACTION_H
#define SIP_TRANSACTION_H
#include "sip_transport.h"
#endif /* SIP_TRANSACTION_H */
