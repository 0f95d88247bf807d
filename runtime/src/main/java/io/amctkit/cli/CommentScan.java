package io.amctkit.cli;

/** Whether protobuf text has a {@code #} comment outside string literals. */
final class CommentScan {

    private CommentScan() {
    }

    static boolean hasComments(String text) {
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote || c == '\n') {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#') {
                return true;
            }
        }
        return false;
    }
}
