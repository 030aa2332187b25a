/*
 * The multiserver address language: alternatives joined by ';', sections by '~', data items by ':'.
 *
 *   net:example.com:8008~shs:KEY;ws://example.com:8989~shs:KEY
 *
 * AddressParser checks length and characters before this grammar runs, so the input is printable ASCII (0x21-0x7e)
 * and every character of it is covered by a token below: the lexer cannot fail, and every error, in reading order,
 * is a parser error at the offending token.
 */
grammar AddressGrammar;

multi   : address (SEMI address)* EOF ;
address : section (TILDE section)* ;
section : name (COLON data)* ;
name    : NAME ;
// An item may be empty ("shs:::" has three), and a name-shaped word is ordinary data ("net:localhost:8008").
data    : (NAME | TEXT)? ;

SEMI  : ';' ;
TILDE : '~' ;
COLON : ':' ;

// The multiserver-address spec's protocol name. Listed before TEXT so that, on an equal-length match, a word like
// "net" is a NAME; a longer TEXT ("host.com", "ab!:c") still wins by longest match.
NAME : [a-z] [a-z0-9-]+ ;

TEXT : (ITEM_CHAR | ESCAPE)+ ;

// A '!' that does not start an escape. A token of its own (not a lexer error) so that an error before it in the
// input is still reported first, and so the parser can name the problem.
BAD_ESCAPE : '!' ;

// Printable ASCII except ! (0x21), : (0x3a), ; (0x3b) and ~ (0x7e).
fragment ITEM_CHAR : [\u0022-\u0039\u003C-\u007D] ;
fragment ESCAPE    : '!' [!~:;] ;
