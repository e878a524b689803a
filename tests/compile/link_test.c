/* Calls one function of each header, so a header whose implementation
 * macro is misspelt fails to link here. */
#include <stdio.h>
#include "sip.h"

int main(void)
{
    sip_uri u;
    if (sip_uri_parse(sip_str_c("sip:a@b"), &u) != 0) return 1;
    puts("link test: sip.h ok");
    return 0;
}
