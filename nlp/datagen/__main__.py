from nlp.datagen import main

main()
