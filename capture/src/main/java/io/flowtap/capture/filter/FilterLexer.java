package io.flowtap.capture.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits a filter expression into tokens (words, parentheses, the operators in words or symbols) with the column of
 * each, and walks them for {@link FilterParser}: {@link #peek()}, {@link #advance()}, and errors that name the column
 * of the token found and what was expected there. One instance reads one expression, on one thread.
 */
final class FilterLexer
{
    static final int WORD = 0;
    static final int OPEN = 1;
    static final int CLOSE = 2;
    static final int NOT = 3;
    static final int AND = 4;
    static final int OR = 5;
    static final int END = 6;

    private final String expression;
    private final List<Token> tokens = new ArrayList<>();
    private int position;

    /**
     * @param expression to split, all of it at once.
     * @throws FilterSyntaxException at a character no token takes, or a lone '&amp;' or '|'.
     */
    FilterLexer(final String expression)
    {
        this.expression = expression;
        tokenize();
    }

    /**
     * @return the token at the cursor.
     */
    Token peek()
    {
        return tokens.get(position);
    }

    /**
     * @return the token {@code ahead} after the cursor, or the end.
     */
    Token peekAt(final int ahead)
    {
        return tokens.get(Math.min(position + ahead, tokens.size() - 1));
    }

    /**
     * Move the cursor to the next token.
     */
    void advance()
    {
        position++;
    }

    /**
     * Move the cursor on by {@code count} tokens.
     */
    void advance(final int count)
    {
        position += count;
    }

    /**
     * @param found    the token where the expression went wrong.
     * @param expected what would have been right there.
     * @return the error, naming the token's column.
     */
    FilterSyntaxException error(final Token found, final String expected)
    {
        final String what = found.type == END ? "the end of the filter" : "'" + found.text + "'";
        return new FilterSyntaxException(expression, found.column, "expected " + expected + ", found " + what);
    }

    private void tokenize()
    {
        final String text = expression;
        int i = 0;
        while (i < text.length())
        {
            final char c = text.charAt(i);
            final int column = i + 1;
            if (Character.isWhitespace(c))
            {
                i++;
            }
            else if (c == '(' || c == ')' || c == '!')
            {
                tokens.add(new Token(c == '(' ? OPEN : c == ')' ? CLOSE : NOT, String.valueOf(c), column, null));
                i++;
            }
            else if (c == '&' || c == '|')
            {
                if (i + 1 >= text.length() || text.charAt(i + 1) != c)
                {
                    throw new FilterSyntaxException(expression, column,
                        "expected '" + c + c + "', found '" + c + "' alone");
                }
                tokens.add(new Token(c == '&' ? AND : OR, text.substring(i, i + 2), column, null));
                i += 2;
            }
            else if (isWordCharacter(c))
            {
                int end = i + 1;
                while (end < text.length() && isWordCharacter(text.charAt(end)))
                {
                    end++;
                }
                final String word = text.substring(i, end);
                final String keyword = word.toLowerCase(Locale.ROOT);
                final int type = "and".equals(keyword) ? AND : "or".equals(keyword) ? OR :
                    "not".equals(keyword) ? NOT : WORD;
                tokens.add(new Token(type, word, column, keyword));
                i = end;
            }
            else
            {
                throw new FilterSyntaxException(expression, column, "unexpected character '" + c + "'");
            }
        }
        tokens.add(new Token(END, "", text.length() + 1, null));
    }

    private static boolean isWordCharacter(final char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == ':' || c == '/' || c == '-' || c == '_';
    }

    /**
     * One lexical token.
     */
    static final class Token
    {
        /** WORD, OPEN, CLOSE, NOT, AND, OR or END. */
        final int type;
        /** As written. */
        final String text;
        /** 1-based column of its first character. */
        final int column;
        /** The text in lower case for words and word operators, else null. */
        final String keyword;

        Token(final int type, final String text, final int column, final String keyword)
        {
            this.type = type;
            this.text = text;
            this.column = column;
            this.keyword = keyword;
        }

        boolean isKeyword(final String word)
        {
            return type == WORD && word.equals(keyword);
        }
    }
}
