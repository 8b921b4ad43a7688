/*
 * text.h: small string helpers shared by the parsers of the configuration
 * file, the credentials file and the Authorization header.
 */
#ifndef DIS_TEXT_H
#define DIS_TEXT_H

char	*text_trim(char *);

#endif
