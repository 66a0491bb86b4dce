// libxml2 built with ICU would pull ICU's headers, which clash with the copy Foundation carries; virtlab
// uses none of libxml2's ICU encoding handlers, so their declarations are left out.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xmlerror.h>
