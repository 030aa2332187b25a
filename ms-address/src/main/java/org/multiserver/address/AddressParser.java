package org.multiserver.address;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.antlr.v4.runtime.ANTLRErrorStrategy;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.tree.ParseTree;
import org.multiserver.address.grammar.AddressGrammarLexer;
import org.multiserver.address.grammar.AddressGrammarParser;
import org.multiserver.address.grammar.AddressGrammarParser.AddressContext;
import org.multiserver.address.grammar.AddressGrammarParser.DataContext;
import org.multiserver.address.grammar.AddressGrammarParser.MultiContext;
import org.multiserver.address.grammar.AddressGrammarParser.SectionContext;

/**
 * Text to model: checks the length and the characters, runs the ANTLR grammar with no error recovery, and walks the
 * tree into {@link MultiAddress}. Every failure becomes one {@link AddressSyntaxException}; ANTLR prints nothing and
 * none of its wording reaches the user.
 */
final class AddressParser {
    private static final String NAME_SHAPE = "a protocol name (a-z, then a-z 0-9 -)";
    private static final String ESCAPE_RULE = "'!' must be followed by one of ! ~ : ;";

    private AddressParser() {
    }

    static MultiAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        // Before anything else looks at the text: it may be huge and hostile.
        if (text.length() > MultiAddress.MAX_LENGTH) {
            throw new AddressSyntaxException(text, MultiAddress.MAX_LENGTH + 1,
                    "an address may hold at most " + MultiAddress.MAX_LENGTH + " characters, this one has "
                            + text.length());
        }
        if (text.isEmpty()) {
            throw new AddressSyntaxException(text, 1, "empty address");
        }
        // Checked here rather than in the grammar so that ANTLR, which counts columns in code points, only ever sees
        // ASCII: its columns then equal String indexes + 1.
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new AddressSyntaxException(text, i + 1, AddressText.describe(text.codePointAt(i))
                        + " cannot appear in an address (printable ASCII only)");
            }
        }
        try {
            AddressGrammarLexer lexer = new AddressGrammarLexer(CharStreams.fromString(text));
            lexer.removeErrorListeners();
            lexer.addErrorListener(new LexerGuard(text));
            AddressGrammarParser parser = new AddressGrammarParser(new CommonTokenStream(lexer));
            parser.removeErrorListeners();
            parser.setErrorHandler(new FailFast(text));
            // The grammar is LL(1); SLL never needs the full-context fallback.
            parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
            return build(parser.multi(), text);
        } catch (StackOverflowError e) {
            // The grammar loops rather than recurses, so this should not happen; if it does, it is still bad input.
            throw new AddressSyntaxException(text, 1, "address too complex to parse");
        }
    }

    /*
     * The walk reads each context's children once, picking them by class. ANTLR's generated accessors (COLON(),
     * data(i)) test every child against an interface, data(i) on each call, which cost over 3 ms on a
     * 4096-character "shs::::..." (see AddressBenchmark.parseLongestDense).
     */
    private static MultiAddress build(MultiContext tree, String text) {
        List<Address> alternatives = new ArrayList<>();
        for (ParseTree child : tree.children) {
            if (child instanceof AddressContext address) {
                alternatives.add(address(address, text));
            }
        }
        return new MultiAddress(alternatives);
    }

    private static Address address(AddressContext address, String text) {
        List<Section> sections = new ArrayList<>();
        for (ParseTree child : address.children) {
            if (child instanceof SectionContext section) {
                sections.add(section(section, text));
            }
        }
        return new Address(sections);
    }

    private static Section section(SectionContext section, String text) {
        int count = (section.getChildCount() - 1) / 2;
        int[] columns = new int[count + 1];
        List<String> items = new ArrayList<>(count);
        Token name = section.name().getStart();
        columns[0] = column(name);
        for (ParseTree child : section.children) {
            if (child instanceof DataContext item) {
                // An empty item's start token is whatever follows it (':', '~', ';' or EOF): where the item would
                // have begun.
                columns[items.size() + 1] = column(item.getStart());
                items.add(item.getChildCount() == 0 ? "" : AddressText.unescape(item.getStart().getText()));
            }
        }
        return Section.parsed(name.getText(), items, text, columns);
    }

    private static int column(Token token) {
        return token.getCharPositionInLine() + 1;
    }

    /** The lexer covers every printable ASCII character, so this only fires if the grammar and the checks drift. */
    private static final class LexerGuard extends BaseErrorListener {
        private final String text;

        LexerGuard(String text) {
            this.text = text;
        }

        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line,
                                int charPositionInLine, String msg, RecognitionException e) {
            int index = Math.min(charPositionInLine, text.length() - 1);
            throw new AddressSyntaxException(text, index + 1,
                    "unexpected " + AddressText.describe(text.charAt(index)));
        }
    }

    /**
     * No recovery: the first mismatch throws, with a reason worded from the offending token and what the grammar
     * wanted there. {@link #sync} does nothing, so an error is raised where a token fails to match, whose position is
     * the offending token's.
     */
    private static final class FailFast implements ANTLRErrorStrategy {
        private final String text;

        FailFast(String text) {
            this.text = text;
        }

        @Override
        public Token recoverInline(Parser parser) {
            throw error(parser, parser.getCurrentToken(),
                    parser.getExpectedTokens().contains(AddressGrammarParser.NAME));
        }

        @Override
        public void recover(Parser parser, RecognitionException e) {
            throw error(parser, e.getOffendingToken(), expectsName(e));
        }

        @Override
        public void reportError(Parser parser, RecognitionException e) {
            throw error(parser, e.getOffendingToken(), expectsName(e));
        }

        @Override
        public void sync(Parser parser) {
        }

        @Override
        public void reset(Parser parser) {
        }

        @Override
        public boolean inErrorRecoveryMode(Parser parser) {
            return false;
        }

        @Override
        public void reportMatch(Parser parser) {
        }

        private static boolean expectsName(RecognitionException e) {
            return e.getExpectedTokens() != null && e.getExpectedTokens().contains(AddressGrammarParser.NAME);
        }

        private AddressSyntaxException error(Parser parser, Token offending, boolean nameExpected) {
            int at = offending.getType() == Token.EOF ? text.length() : offending.getStartIndex();
            Token before = offending.getTokenIndex() > 0
                    ? parser.getTokenStream().get(offending.getTokenIndex() - 1) : null;
            if (offending.getType() == AddressGrammarParser.BAD_ESCAPE && !nameExpected) {
                String next = at + 1 < text.length() ? AddressText.describe(text.charAt(at + 1)) : "the end";
                return new AddressSyntaxException(text, at + 1, ESCAPE_RULE + " (found " + next + ")");
            }
            if (!nameExpected) {
                // After a name or an item every token is allowed except a stray '!', so this is a grammar change.
                return new AddressSyntaxException(text, at + 1, at < text.length()
                        ? "unexpected " + AddressText.describe(text.charAt(at)) : "unexpected end");
            }
            String after = before == null ? "" : " after " + AddressText.describe(text.charAt(before.getStartIndex()));
            if (offending.getType() == Token.EOF) {
                // Point at the dangling separator: "net:a;" is wrong at its ';', not after it.
                return before == null
                        ? new AddressSyntaxException(text, 1, "empty address")
                        : new AddressSyntaxException(text, before.getStartIndex() + 1,
                                "expected a protocol name" + after);
            }
            if (offending.getType() == AddressGrammarParser.TEXT) {
                return badName(offending.getText(), offending.getStartIndex());
            }
            return new AddressSyntaxException(text, at + 1,
                    "expected " + NAME_SHAPE + after + ", found " + AddressText.describe(text.charAt(at)));
        }

        /** A word in name position that is not a name: point at its first character that breaks the shape. */
        private AddressSyntaxException badName(String word, int start) {
            for (int i = 0; i < word.length(); i++) {
                char c = word.charAt(i);
                boolean fits = i == 0 ? c >= 'a' && c <= 'z'
                        : c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-';
                if (!fits) {
                    return new AddressSyntaxException(text, start + i + 1,
                            "expected " + NAME_SHAPE + ", found " + AddressText.describe(c));
                }
            }
            // Only a one-letter word fits the shape yet lexes as TEXT.
            return new AddressSyntaxException(text, start + 1,
                    "protocol name '" + word + "' is too short: a name has at least 2 characters");
        }
    }
}
